# Driver benchmarks (camera conversions). Each benchmark pairs our code
# with a reference measured in the same run: the float YUYV conversion and
# image/jpeg's decode alone.
.PHONY: bench-drivers
bench-drivers:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./drivers/camera/...
