# METADATA
# title: A Lambda function that imports torch gets at least 3008 MB
# description: >-
#   A Lambda function whose packaged requirements declare `torch`, or whose handler
#   file imports it, is configured with less than 3008 MB of memory. A memory size that
#   is not written as a number (unset, or a value mlaudit cannot resolve) is not judged.
# custom:
#   id: ORG004
#   severity: medium
#   category: serverless
#   kind: reliability
#   rationale: >-
#     Importing torch alone takes hundreds of megabytes; below 3008 MB a function loading
#     a model is killed for memory or gets so little CPU (CPU scales with memory) that
#     cold starts exceed the timeout.
#   fix: Set `MemorySize` (SAM, Serverless `memorySize`, Terraform `memory_size`) to 3008 or more.
package org.torch_lambda_memory

import rego.v1

# Python files that import torch (or a torch submodule).
torch_files := [module.path |
	some module in input.facts.python_modules
	some name in module.imports
	torch_module(name)
]

torch_module(name) if name == "torch"

torch_module(name) if startswith(name, "torch.")

imports_torch(function) if "torch" in function.attributes.packages

imports_torch(function) if function.attributes.handler_file in torch_files

# `memory` is null both when it is not set and when mlaudit cannot resolve it: only a
# written number is judged.
deny contains {"msg": msg, "fact": function} if {
	some function in input.nodes
	function.class == "function"
	imports_torch(function)
	memory := function.attributes.memory
	is_number(memory)
	memory < 3008
	msg := sprintf("Lambda function %s imports torch but has %v MB of memory; give it at least 3008 MB",
		[function.label, memory])
}
