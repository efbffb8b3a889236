resource "aws_db_instance" "db" {
  password = 'Hq7Vz2Lp9Xw4Rt8Nk3Bm'
}
