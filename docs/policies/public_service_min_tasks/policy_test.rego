package org.public_service_min_tasks_test

import rego.v1

import data.org.public_service_min_tasks.deny

# A public listener -> target group -> ECS container, and its aws_ecs_service.
nodes := [
	{"id": "entry:listener:http", "kind": "listener", "attributes": {"public": true}},
	{"id": "proxy:tg:app", "kind": "target-group", "attributes": {}},
	{"id": "service:ecs:app", "class": "service", "kind": "service", "unit": "terraform:.",
	 "attributes": {"platform": "ecs", "group": "aws_ecs_service.app"}},
]

edges := [
	{"source": "entry:listener:http", "target": "proxy:tg:app", "kind": "forwards"},
	{"source": "proxy:tg:app", "target": "service:ecs:app", "kind": "routes"},
]

service(values) := {"type": "aws_ecs_service", "address": "aws_ecs_service.app",
	"unit": "terraform:.", "values": values,
	"locations": {"desired_count": {"path": "ecs.tf", "line": 7, "column": 3}},
	"source": {"path": "ecs.tf", "line": 1, "column": 1}}

test_one_public_task_is_denied if {
	found := deny with input as {"nodes": nodes, "edges": edges,
		"facts": {"terraform_resources": [service({"desired_count": 1})]}}
	count(found) == 1
	some entry in found
	entry.location.line == 7
}

test_two_tasks_pass if {
	count(deny) == 0 with input as {"nodes": nodes, "edges": edges,
		"facts": {"terraform_resources": [service({"desired_count": 2})]}}
}

test_autoscaling_minimum_counts if {
	scaling := {"id": "scaling:app", "class": "scaling", "kind": "appautoscaling", "attributes": {"min_capacity": 2}}
	count(deny) == 0 with input as {"nodes": array.concat(nodes, [scaling]),
		"edges": array.concat(edges, [{"source": "scaling:app", "target": "service:ecs:app", "kind": "scales"}]),
		"facts": {"terraform_resources": [service({"desired_count": 1})]}}
}

test_private_listener_is_not_checked if {
	private := [{"id": "entry:listener:http", "kind": "listener", "attributes": {"public": false}}, nodes[1], nodes[2]]
	count(deny) == 0 with input as {"nodes": private, "edges": edges,
		"facts": {"terraform_resources": [service({"desired_count": 1})]}}
}

test_unresolved_count_is_not_guessed if {
	count(deny) == 0 with input as {"nodes": nodes, "edges": edges,
		"facts": {"terraform_resources": [service({"desired_count": null})]}}
}
