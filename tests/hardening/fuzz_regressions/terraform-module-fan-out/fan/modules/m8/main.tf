module "c0" {
  source = "../m9"
}
module "c1" {
  source = "../m9"
}
module "c2" {
  source = "../m9"
}
module "c3" {
  source = "../m9"
}
module "c4" {
  source = "../m9"
}
module "c5" {
  source = "../m9"
}
module "c6" {
  source = "../m9"
}
module "c7" {
  source = "../m9"
}
module "c8" {
  source = "../m9"
}
module "c9" {
  source = "../m9"
}
