"""Static evaluation of Terraform: modules, variables, locals, count/for_each, functions.

Entry point: `mlaudit.terraform.evaluate.build_terraform(project)`.
"""
