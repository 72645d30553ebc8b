module github.com/deepch/vdk

go 1.18
