# METADATA
# title: Services run images from our ECR account only
# description: >-
#   A container that a compose project, an ECS task definition, a Lambda function or an
#   instance's user data runs pulls an image from anywhere but the organisation's ECR
#   registry (`<account>.dkr.ecr.<region>.amazonaws.com`). Base images in `FROM` lines
#   are not checked; an image reference mlaudit cannot resolve (a variable) is not
#   guessed.
# custom:
#   id: ORG002
#   severity: high
#   category: image
#   kind: security
#   rationale: >-
#     Images from public registries are not scanned, signed or mirrored by us: a pulled
#     tag can change under a running service, and a registry outage stops deployments.
#   fix: >-
#     Mirror the image into our ECR account and reference it as
#     `123456789012.dkr.ecr.<region>.amazonaws.com/<name>:<tag>`.
package org.images_from_our_ecr

import rego.v1

# Change this to your organisation's AWS account id(s).
allowed_accounts := {"123456789012"}

# Image references a running container pulls (not build-time base images).
runtime_contexts := {"compose-image", "ecs-image", "terraform-image", "function-image",
	"user-data-image"}

ours(ref) if {
	is_string(ref.registry)
	parts := regex.find_all_string_submatch_n(`^([0-9]{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$`,
		ref.registry, 1)
	parts[0][1] in allowed_accounts
}

# A compose service with `build:` names the image it builds with `image:`: built from
# this repository (and pushed by CI), not pulled from elsewhere.
built_here := [node.id | some node in input.nodes; node.attributes.image_node != null]

unresolved(ref) if contains(ref.image, "$")

unresolved(ref) if contains(ref.image, "{")

# One entry per image line: a compose file read by two compose projects names the same
# image once (the message and location, not the owner, make the entry).
deny contains {"msg": msg, "location": ref.source, "key": ref.image} if {
	some ref in input.image_references
	ref.context in runtime_contexts
	not unresolved(ref)
	not ref.owner in built_here
	not ours(ref)
	where := registry_name(object.get(ref, "registry", null))
	msg := sprintf("image %s comes from %s, not from our ECR account", [ref.image, where])
}

registry_name(null) := "Docker Hub"

registry_name(registry) := registry if registry != null
