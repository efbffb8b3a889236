package org.alb_healthcheck_healthz_test

import rego.v1

import data.org.alb_healthcheck_healthz.deny

group := {"id": "proxy:tg:app", "kind": "target-group", "label": "aws_lb_target_group.app",
	"source": {"path": "alb.tf", "line": 8, "column": 1},
	"attributes": {"healthchecks": ["healthcheck:app"]}}

check(path) := {"id": "healthcheck:app", "class": "healthcheck", "kind": "healthcheck",
	"source": {"path": "alb.tf", "line": 14, "column": 3},
	"attributes": {"path": path, "disabled": false}}

forward := {"source": "entry:listener:http", "target": "proxy:tg:app", "kind": "forwards"}

test_root_path_is_denied_at_the_check if {
	found := deny with input as {"nodes": [group, check("/")], "edges": [forward]}
	count(found) == 1
	some entry in found
	entry.fact.source.line == 14
}

test_healthz_passes if {
	count(deny) == 0 with input as {"nodes": [group, check("/healthz")], "edges": [forward]}
}

test_missing_check_is_denied_at_the_group if {
	bare := object.union(group, {"attributes": {"healthchecks": []}})
	found := deny with input as {"nodes": [bare], "edges": [forward]}
	count(found) == 1
	some entry in found
	entry.fact.source.line == 8
}

test_group_without_listener_is_not_checked if {
	count(deny) == 0 with input as {"nodes": [group, check("/")], "edges": []}
}
