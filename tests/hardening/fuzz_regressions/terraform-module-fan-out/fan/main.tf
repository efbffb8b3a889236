module "c0" {
  source = "./modules/m1"
}
module "c1" {
  source = "./modules/m1"
}
module "c2" {
  source = "./modules/m1"
}
module "c3" {
  source = "./modules/m1"
}
module "c4" {
  source = "./modules/m1"
}
module "c5" {
  source = "./modules/m1"
}
module "c6" {
  source = "./modules/m1"
}
module "c7" {
  source = "./modules/m1"
}
module "c8" {
  source = "./modules/m1"
}
module "c9" {
  source = "./modules/m1"
}
