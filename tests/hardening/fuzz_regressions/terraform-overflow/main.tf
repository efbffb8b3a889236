locals {
  x = floor(1e400)
  y = format("%d", 1e400)
  z = format("%99999999999d", 1)
}
