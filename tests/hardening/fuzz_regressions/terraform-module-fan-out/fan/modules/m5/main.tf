module "c0" {
  source = "../m6"
}
module "c1" {
  source = "../m6"
}
module "c2" {
  source = "../m6"
}
module "c3" {
  source = "../m6"
}
module "c4" {
  source = "../m6"
}
module "c5" {
  source = "../m6"
}
module "c6" {
  source = "../m6"
}
module "c7" {
  source = "../m6"
}
module "c8" {
  source = "../m6"
}
module "c9" {
  source = "../m6"
}
