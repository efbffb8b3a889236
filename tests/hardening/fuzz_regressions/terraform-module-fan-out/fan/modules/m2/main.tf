module "c0" {
  source = "../m3"
}
module "c1" {
  source = "../m3"
}
module "c2" {
  source = "../m3"
}
module "c3" {
  source = "../m3"
}
module "c4" {
  source = "../m3"
}
module "c5" {
  source = "../m3"
}
module "c6" {
  source = "../m3"
}
module "c7" {
  source = "../m3"
}
module "c8" {
  source = "../m3"
}
module "c9" {
  source = "../m3"
}
