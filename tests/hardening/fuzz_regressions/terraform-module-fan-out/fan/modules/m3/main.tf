module "c0" {
  source = "../m4"
}
module "c1" {
  source = "../m4"
}
module "c2" {
  source = "../m4"
}
module "c3" {
  source = "../m4"
}
module "c4" {
  source = "../m4"
}
module "c5" {
  source = "../m4"
}
module "c6" {
  source = "../m4"
}
module "c7" {
  source = "../m4"
}
module "c8" {
  source = "../m4"
}
module "c9" {
  source = "../m4"
}
