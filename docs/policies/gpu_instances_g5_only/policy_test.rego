package org.gpu_instances_g5_only_test

import rego.v1

import data.org.gpu_instances_g5_only.deny

at(line) := {"path": "gpu.tf", "line": line, "column": 3}

instance(type) := {"type": "aws_instance", "mode": "managed", "address": "aws_instance.trainer",
	"values": {"instance_type": type}, "locations": {"instance_type": at(4)}, "blocks": {}}

test_p3_is_denied if {
	found := deny with input as {"facts": {"terraform_resources": [instance("p3.2xlarge")]}}
	count(found) == 1
	some entry in found
	entry.location.line == 4
}

test_g4dn_is_denied if {
	count(deny) == 1 with input as {"facts": {"terraform_resources": [instance("g4dn.xlarge")]}}
}

test_g5_passes if {
	count(deny) == 0 with input as {"facts": {"terraform_resources": [instance("g5.2xlarge")]}}
}

test_cpu_instance_passes if {
	count(deny) == 0 with input as {"facts": {"terraform_resources": [instance("m7i.large")]}}
}

test_unresolved_type_is_not_guessed if {
	count(deny) == 0 with input as {"facts": {"terraform_resources": [instance(null)]}}
}

test_sagemaker_variant_is_checked if {
	endpoint := {"type": "aws_sagemaker_endpoint_configuration", "mode": "managed",
		"address": "aws_sagemaker_endpoint_configuration.llm", "values": {}, "locations": {},
		"blocks": {"production_variants": [{"values": {"instance_type": "ml.p4d.24xlarge"},
			"locations": {"instance_type": at(9)}, "blocks": {}}]}}
	count(deny) == 1 with input as {"facts": {"terraform_resources": [endpoint]}}
}
