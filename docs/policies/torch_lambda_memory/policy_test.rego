package org.torch_lambda_memory_test

import rego.v1

import data.org.torch_lambda_memory.deny

function(memory, packages) := {"id": "function:template.yaml:Classifier", "class": "function",
	"label": "Classifier", "source": {"path": "template.yaml", "line": 17, "column": 3},
	"attributes": {"memory": memory, "packages": packages, "handler_file": "src/app.py"}}

test_small_torch_function_is_denied if {
	found := deny with input as {"nodes": [function(1024, ["torch"])], "facts": {"python_modules": []}}
	count(found) == 1
	some entry in found
	entry.fact.source.line == 17
}

test_handler_import_counts if {
	count(deny) == 1 with input as {"nodes": [function(512, [])],
		"facts": {"python_modules": [{"path": "src/app.py", "imports": ["json", "torch.nn"]}]}}
}

test_big_function_passes if {
	count(deny) == 0 with input as {"nodes": [function(3008, ["torch"])], "facts": {"python_modules": []}}
}

test_function_without_torch_passes if {
	count(deny) == 0 with input as {"nodes": [function(512, ["numpy"])],
		"facts": {"python_modules": [{"path": "src/app.py", "imports": ["torchvision_utils"]}]}}
}

test_unknown_memory_is_not_guessed if {
	count(deny) == 0 with input as {"nodes": [function(null, ["torch"])], "facts": {"python_modules": []}}
}
