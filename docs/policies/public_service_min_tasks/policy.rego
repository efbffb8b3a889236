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

# rego-cpp builds large sets and objects slowly (a set of a monorepo's thousands of node
# ids takes a minute), so the joins below filter into small arrays first and test
# membership with `in`, instead of indexing nodes by id.
public_listeners := [node.id |
	some node in input.nodes
	node.kind == "listener"
	node.attributes.public == true
]

public_target_groups := [edge.target |
	some edge in input.edges
	edge.kind == "forwards"
	edge.source in public_listeners
]

# ECS containers a public listener reaches: listener -forwards-> target group -routes-> it.
public_containers := [edge.target |
	some edge in input.edges
	edge.kind == "routes"
	edge.source in public_target_groups
]

ecs_containers := [node |
	some node in input.nodes
	node.class == "service"
	node.attributes.platform == "ecs"
]

# Small projections of the aws_ecs_service resources: joining on whole resource objects
# (every attribute and location) is much slower in rego-cpp.
ecs_services := [{"address": resource.address, "unit": resource.unit,
	"tasks": object.get(resource.values, "desired_count", 0),
	"where": object.get(resource.locations, "desired_count", resource.source)} |
	some resource in input.facts.terraform_resources
	resource.type == "aws_ecs_service"
]

# Containers an autoscaling target keeps at two tasks or more.
two_task_scalings := [node.id |
	some node in input.nodes
	node.class == "scaling"
	is_number(node.attributes.min_capacity)
	node.attributes.min_capacity >= 2
]

scaled_to_two := [edge.target |
	some edge in input.edges
	edge.kind == "scales"
	edge.source in two_task_scalings
]

# "<unit> <aws_ecs_service address>" of every public service not kept at two tasks by
# autoscaling. (Addresses repeat across Terraform roots: the unit tells them apart.)
exposed_services := [concat(" ", [service.unit, service.attributes.group]) |
	some service in ecs_containers
	service.id in public_containers
	not service.id in scaled_to_two
]

deny contains {"msg": msg, "location": resource.where, "key": resource.address} if {
	some resource in ecs_services
	is_number(resource.tasks) # null: set from something mlaudit cannot resolve
	resource.tasks < 2
	concat(" ", [resource.unit, resource.address]) in exposed_services
	msg := sprintf("%s is behind a public load balancer but runs %v task(s); run at least 2",
		[resource.address, resource.tasks])
}
