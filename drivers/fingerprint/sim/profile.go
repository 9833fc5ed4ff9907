package sim

// Profile describes the simulated module model.
type Profile struct {
	// Name is reported by ReadProdInfo (R503) and used in logs.
	Name string
	// Capacity is the number of library slots.
	Capacity int
	// FeatureSize and TemplateSize are the char buffer sizes in bytes after
	// Img2Tz and after RegModel.
	FeatureSize, TemplateSize int
	// ImageW and ImageH are the sensor size in pixels.
	ImageW, ImageH int
	// PacketSizeCode is the factory data packet size (0…3: 32 << code).
	PacketSizeCode byte
	// CharBuffers is the number of char buffers (2 classic, 6 on R503).
	CharBuffers int
	// SystemID is reported by ReadSysPara.
	SystemID uint16
	// R503 enables the R503 commands (Aura LED, ReadProdInfo, HandShake,
	// CheckSensor, SoftRst with ready byte) and the 0xFC answer to unknown
	// instructions; classic profiles answer 0x01.
	R503 bool
}

// R307 is a classic optical module: 256-byte features, 512-byte templates,
// 256-byte packets, 1000 slots.
func R307() Profile {
	return Profile{Name: "R307", Capacity: 1000, FeatureSize: 256, TemplateSize: 512,
		ImageW: 256, ImageH: 288, PacketSizeCode: 3, CharBuffers: 2, SystemID: 0x0009}
}

// R503 is the capacitive module with the RGB ring: 512/1536-byte buffers,
// 128-byte packets, 200 slots, 192×192 sensor.
func R503() Profile {
	return Profile{Name: "R503", Capacity: 200, FeatureSize: 512, TemplateSize: 1536,
		ImageW: 192, ImageH: 192, PacketSizeCode: 2, CharBuffers: 6, R503: true}
}

// AS608 uploads 768-byte templates with 128-byte packets.
func AS608() Profile {
	return Profile{Name: "AS608", Capacity: 300, FeatureSize: 768, TemplateSize: 768,
		ImageW: 256, ImageH: 288, PacketSizeCode: 2, CharBuffers: 2, SystemID: 0x0009}
}
