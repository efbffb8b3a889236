package org.images_from_our_ecr_test

import rego.v1

import data.org.images_from_our_ecr.deny

ref(image, registry, context) := {"image": image, "registry": registry, "context": context,
	"owner": "service:compose:compose.yml:api", "source": {"path": "compose.yml", "line": 4, "column": 5}}

test_docker_hub_image_is_denied if {
	found := deny with input as {"image_references": [ref("nginx:1.27", null, "compose-image")]}
	count(found) == 1
	some entry in found
	contains(entry.msg, "Docker Hub")
}

test_other_account_is_denied if {
	count(deny) == 1 with input as {"image_references": [
		ref("999999999999.dkr.ecr.eu-west-1.amazonaws.com/api:1", "999999999999.dkr.ecr.eu-west-1.amazonaws.com", "ecs-image")]}
}

test_our_account_passes if {
	count(deny) == 0 with input as {"image_references": [
		ref("123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1", "123456789012.dkr.ecr.eu-west-1.amazonaws.com", "ecs-image")]}
}

test_base_images_are_not_checked if {
	count(deny) == 0 with input as {"image_references": [ref("python:3.11-slim", null, "dockerfile-from")]}
}

test_unresolved_image_is_not_guessed if {
	count(deny) == 0 with input as {"image_references": [ref("${REGISTRY}/api:1", null, "compose-image")]}
}

test_image_built_here_is_not_checked if {
	built := {"id": "service:compose:compose.yml:api", "attributes": {"image_node": "image:Dockerfile"}}
	count(deny) == 0 with input as {"nodes": [built], "image_references": [ref("api:1.0", null, "compose-image")]}
}
