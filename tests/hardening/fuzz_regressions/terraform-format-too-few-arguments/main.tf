locals {
  x = format("%s-%s", "one")
}
output "x" {
  value = local.x
}
