package motion

// Contains reports whether p lies inside the polygon (even-odd rule), so
// a concave or self-crossing outline behaves predictably. Points exactly
// on an edge may fall either way; the detector tests pixel centres, which
// makes that irrelevant at any real resolution.
func (poly Polygon) Contains(p Point) bool {
	in := false
	pts := poly.Points
	n := len(pts)
	if n < 3 {
		return false
	}
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		a, b := pts[i], pts[j]
		if (a.Y > p.Y) != (b.Y > p.Y) {
			x := a.X + (p.Y-a.Y)*(b.X-a.X)/(b.Y-a.Y)
			if p.X < x {
				in = !in
			}
		}
	}
	return in
}

// rasterise fills mask (1 where any mask polygon covers the pixel centre)
// and, when there are zones, zones (bit i set where zone i covers it) for
// a w x h picture. It runs once per picture size, not per frame.
func rasterise(w, h int, masks, zoneList []Polygon, mask []byte, zones []uint32) {
	clear(mask)
	clear(zones)
	if len(masks) == 0 && len(zoneList) == 0 {
		return
	}
	for y := range h {
		py := (float64(y) + 0.5) / float64(h)
		for x := range w {
			p := Point{(float64(x) + 0.5) / float64(w), py}
			i := y*w + x
			for _, m := range masks {
				if m.Contains(p) {
					mask[i] = 1
					break
				}
			}
			if zones == nil {
				continue
			}
			var bits uint32
			for z, poly := range zoneList {
				if poly.Contains(p) {
					bits |= 1 << z
				}
			}
			zones[i] = bits
		}
	}
}
