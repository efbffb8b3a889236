module "c0" {
  source = "../m5"
}
module "c1" {
  source = "../m5"
}
module "c2" {
  source = "../m5"
}
module "c3" {
  source = "../m5"
}
module "c4" {
  source = "../m5"
}
module "c5" {
  source = "../m5"
}
module "c6" {
  source = "../m5"
}
module "c7" {
  source = "../m5"
}
module "c8" {
  source = "../m5"
}
module "c9" {
  source = "../m5"
}
