module "c0" {
  source = "../m2"
}
module "c1" {
  source = "../m2"
}
module "c2" {
  source = "../m2"
}
module "c3" {
  source = "../m2"
}
module "c4" {
  source = "../m2"
}
module "c5" {
  source = "../m2"
}
module "c6" {
  source = "../m2"
}
module "c7" {
  source = "../m2"
}
module "c8" {
  source = "../m2"
}
module "c9" {
  source = "../m2"
}
