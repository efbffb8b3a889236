# METADATA
# title: Public ECS services run at least two tasks
# description: >-
#   An ECS service that a public load balancer routes to runs fewer than two tasks:
#   its `desired_count` is below 2 and no Application Auto Scaling target keeps at
#   least two running.
# custom:
#   id: ORG001
#   severity: high
#   category: scaling
#   kind: reliability
#   rationale: >-
#     One task is one deployment, one host failure or one out-of-memory kill away from
#     an outage that every user of the public endpoint sees.
#   fix: >-
#     Set `desired_count = 2` (or more) on the `aws_ecs_service`, or attach an
#     `aws_appautoscaling_target` with `min_capacity = 2`.
package org.public_service_min_tasks

import rego.v1

# Every node by id: looking nodes up beats scanning them in nested loops (a monorepo's
# model has thousands of nodes and edges).
nodes_by_id := {node.id: node | some node in input.nodes}

# ECS containers a public listener reaches: listener -forwards-> target group -routes-> it.
public_containers contains service if {
	some forward in input.edges
	forward.kind == "forwards"
	listener := nodes_by_id[forward.source]
	listener.kind == "listener"
	listener.attributes.public == true
	some route in input.edges
	route.kind == "routes"
	route.source == forward.target
	service := nodes_by_id[route.target]
	service.attributes.platform == "ecs"
}

# The aws_ecs_service resource running a container (`group` is its address).
ecs_service(service) := resource if {
	some resource in input.facts.terraform_resources
	resource.type == "aws_ecs_service"
	resource.address == service.attributes.group
	resource.unit == service.unit
}

# An autoscaling target keeps at least two tasks of this container running.
scaled_to_two(service) if {
	some edge in input.edges
	edge.kind == "scales"
	edge.target == service.id
	scaling := nodes_by_id[edge.source]
	is_number(scaling.attributes.min_capacity)
	scaling.attributes.min_capacity >= 2
}

deny contains {"msg": msg, "location": where, "key": resource.address} if {
	some service in public_containers
	resource := ecs_service(service)
	tasks := object.get(resource.values, "desired_count", 0)
	is_number(tasks) # null: set from something mlaudit cannot resolve
	tasks < 2
	not scaled_to_two(service)
	where := object.get(resource.locations, "desired_count", resource.source)
	msg := sprintf("%s is behind a public load balancer but runs %v task(s); run at least 2",
		[resource.address, tasks])
}
