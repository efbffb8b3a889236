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

# Target groups a listener forwards to. (Arrays and `in` rather than sets and objects
# keyed by id: rego-cpp builds large sets slowly, and a monorepo has thousands of nodes.)
forwarded := [edge.target | some edge in input.edges; edge.kind == "forwards"]

groups := [node |
	some node in input.nodes
	node.kind == "target-group"
	node.id in forwarded
]

healthz_checks := [node.id |
	some node in input.nodes
	node.class == "healthcheck"
	node.attributes.path == "/healthz"
	node.attributes.disabled == false
]

# Groups with no enabled /healthz probe among their health checks.
unchecked := [group |
	some group in groups
	count([id | some id in group.attributes.healthchecks; id in healthz_checks]) == 0
]

deny contains {"msg": msg, "fact": group} if {
	some group in unchecked
	count(group.attributes.healthchecks) == 0
	msg := sprintf("target group %s has no health check; probe /healthz", [group.label])
}

deny contains {"msg": msg, "fact": check, "key": group.id} if {
	some group in unchecked
	some check in input.nodes
	check.class == "healthcheck"
	check.id in group.attributes.healthchecks
	is_string(check.attributes.path) # null: written as something mlaudit cannot resolve
	msg := sprintf("target group %s is health-checked on %s, not /healthz",
		[group.label, check.attributes.path])
}
