# METADATA
# title: GPU instances come from the g5 family only
# description: >-
#   An EC2 instance, launch template, EKS node group, Batch compute environment or
#   SageMaker endpoint variant uses a GPU instance type outside the g5 family (p2-p5,
#   g3, g4dn, g4ad, g6, ...). Types mlaudit cannot resolve are not guessed.
# custom:
#   id: ORG003
#   severity: medium
#   category: iac
#   kind: cost
#   rationale: >-
#     Our GPU capacity reservations, savings plans and CUDA images are for g5 (A10G);
#     other GPU families cost more and are not covered by our driver and AMI pipeline.
#   fix: Use a g5 instance type (`g5.xlarge` ... `g5.48xlarge`, `ml.g5.*` for SageMaker).
package org.gpu_instances_g5_only

import rego.v1

gpu(type) if regex.match(`^(ml\.)?(p[0-9]+[a-z]*|g[0-9]+[a-z]*)\.`, type)

allowed(type) if regex.match(`^(ml\.)?g5\.`, type)

# (resource, instance type, location) for every place an instance type is written.
instance_types contains [resource, type, where] if {
	some resource in input.facts.terraform_resources
	resource.mode == "managed"
	resource.type in {"aws_instance", "aws_launch_template", "aws_launch_configuration",
		"aws_spot_instance_request"}
	type := resource.values.instance_type
	where := resource.locations.instance_type
}

instance_types contains [resource, type, where] if {
	some resource in input.facts.terraform_resources
	resource.type == "aws_eks_node_group"
	some type in resource.values.instance_types
	where := resource.locations.instance_types
}

instance_types contains [resource, type, where] if {
	some resource in input.facts.terraform_resources
	resource.type == "aws_batch_compute_environment"
	some block in resource.blocks.compute_resources
	some type in block.values.instance_type
	where := block.locations.instance_type
}

instance_types contains [resource, type, where] if {
	some resource in input.facts.terraform_resources
	resource.type == "aws_sagemaker_endpoint_configuration"
	some variant in resource.blocks.production_variants
	type := variant.values.instance_type
	where := variant.locations.instance_type
}

deny contains {"msg": msg, "location": where, "key": sprintf("%s %s", [resource.address, type])} if {
	some [resource, type, where] in instance_types
	is_string(type)
	gpu(type)
	not allowed(type)
	msg := sprintf("%s uses GPU instance type %s; only the g5 family is allowed", [resource.address, type])
}
