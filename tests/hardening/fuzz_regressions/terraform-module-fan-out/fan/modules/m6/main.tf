module "c0" {
  source = "../m7"
}
module "c1" {
  source = "../m7"
}
module "c2" {
  source = "../m7"
}
module "c3" {
  source = "../m7"
}
module "c4" {
  source = "../m7"
}
module "c5" {
  source = "../m7"
}
module "c6" {
  source = "../m7"
}
module "c7" {
  source = "../m7"
}
module "c8" {
  source = "../m7"
}
module "c9" {
  source = "../m7"
}
