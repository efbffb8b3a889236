module "c0" {
  source = "../m8"
}
module "c1" {
  source = "../m8"
}
module "c2" {
  source = "../m8"
}
module "c3" {
  source = "../m8"
}
module "c4" {
  source = "../m8"
}
module "c5" {
  source = "../m8"
}
module "c6" {
  source = "../m8"
}
module "c7" {
  source = "../m8"
}
module "c8" {
  source = "../m8"
}
module "c9" {
  source = "../m8"
}
