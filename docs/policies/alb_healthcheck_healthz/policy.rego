# METADATA
# title: Every service behind a load balancer is health-checked on /healthz
# description: >-
#   A load balancer target group that a listener forwards to has no enabled health
#   check on `/healthz` (it probes another path, such as the default `/`, or has no
#   health check block at all).
# custom:
#   id: ORG005
#   severity: medium
#   category: health
#   kind: reliability
#   rationale: >-
#     Our services answer `/healthz` only once the model is loaded; a probe on `/` marks
#     a task healthy while it still cannot serve, and traffic reaches it during deploys.
#   fix: Add `health_check { path = "/healthz" }` to the `aws_lb_target_group`.
package org.alb_healthcheck_healthz

import rego.v1

behind_listener(group) if {
	some edge in input.edges
	edge.kind == "forwards"
	edge.target == group.id
}

nodes_by_id := {node.id: node | some node in input.nodes}

checks(group) := [check |
	some id in group.attributes.healthchecks
	check := nodes_by_id[id]
]

healthz(group) if {
	some check in checks(group)
	check.attributes.path == "/healthz"
	check.attributes.disabled == false
}

deny contains {"msg": msg, "fact": group} if {
	some group in input.nodes
	group.kind == "target-group"
	behind_listener(group)
	count(checks(group)) == 0
	msg := sprintf("target group %s has no health check; probe /healthz", [group.label])
}

deny contains {"msg": msg, "fact": check, "key": group.id} if {
	some group in input.nodes
	group.kind == "target-group"
	behind_listener(group)
	not healthz(group)
	some check in checks(group)
	is_string(check.attributes.path) # null: written as something mlaudit cannot resolve
	msg := sprintf("target group %s is health-checked on %s, not /healthz",
		[group.label, check.attributes.path])
}
