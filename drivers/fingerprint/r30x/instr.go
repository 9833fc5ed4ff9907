package r30x

import "fmt"

// Instr is an instruction code: byte 0 of a command payload.
type Instr byte

// Instruction codes (fingerprint-protocol.md §2). The driver never sends
// Control (0x17), BurnCode (0x1A) or SetPwd/SetAdder as probes.
const (
	InstrGenImg          Instr = 0x01
	InstrImg2Tz          Instr = 0x02
	InstrMatch           Instr = 0x03
	InstrSearch          Instr = 0x04
	InstrRegModel        Instr = 0x05
	InstrStore           Instr = 0x06
	InstrLoadChar        Instr = 0x07
	InstrUpChar          Instr = 0x08
	InstrDownChar        Instr = 0x09
	InstrUpImage         Instr = 0x0A
	InstrDownImage       Instr = 0x0B
	InstrDeletChar       Instr = 0x0C
	InstrEmpty           Instr = 0x0D
	InstrSetSysPara      Instr = 0x0E
	InstrReadSysPara     Instr = 0x0F
	InstrSetPwd          Instr = 0x12
	InstrVfyPwd          Instr = 0x13
	InstrGetRandomCode   Instr = 0x14
	InstrSetAdder        Instr = 0x15
	InstrReadInfPage     Instr = 0x16
	InstrWriteNotepad    Instr = 0x18
	InstrReadNotepad     Instr = 0x19
	InstrHighSpeedSearch Instr = 0x1B
	InstrTemplateNum     Instr = 0x1D
	InstrReadIndexTable  Instr = 0x1F
	InstrGetImageEx      Instr = 0x28
	InstrCancel          Instr = 0x30
	InstrAutoEnroll      Instr = 0x31
	InstrAutoIdentify    Instr = 0x32
	InstrAuraLedConfig   Instr = 0x35
	InstrCheckSensor     Instr = 0x36
	InstrGetAlgVer       Instr = 0x39
	InstrGetFwVer        Instr = 0x3A
	InstrReadProdInfo    Instr = 0x3C
	InstrSoftRst         Instr = 0x3D
	InstrHandShake       Instr = 0x40
	InstrGetEcho         Instr = 0x53
)

var instrNames = map[Instr]string{
	InstrGenImg: "GenImg", InstrImg2Tz: "Img2Tz", InstrMatch: "Match", InstrSearch: "Search",
	InstrRegModel: "RegModel", InstrStore: "Store", InstrLoadChar: "LoadChar", InstrUpChar: "UpChar",
	InstrDownChar: "DownChar", InstrUpImage: "UpImage", InstrDownImage: "DownImage", InstrDeletChar: "DeletChar",
	InstrEmpty: "Empty", InstrSetSysPara: "SetSysPara", InstrReadSysPara: "ReadSysPara", InstrSetPwd: "SetPwd",
	InstrVfyPwd: "VfyPwd", InstrGetRandomCode: "GetRandomCode", InstrSetAdder: "SetAdder",
	InstrReadInfPage: "ReadInfPage", InstrWriteNotepad: "WriteNotepad", InstrReadNotepad: "ReadNotepad",
	InstrHighSpeedSearch: "HighSpeedSearch", InstrTemplateNum: "TemplateNum", InstrReadIndexTable: "ReadIndexTable",
	InstrGetImageEx: "GetImageEx", InstrCancel: "Cancel", InstrAutoEnroll: "AutoEnroll",
	InstrAutoIdentify: "AutoIdentify", InstrAuraLedConfig: "AuraLedConfig", InstrCheckSensor: "CheckSensor",
	InstrGetAlgVer: "GetAlgVer", InstrGetFwVer: "GetFwVer", InstrReadProdInfo: "ReadProdInfo",
	InstrSoftRst: "SoftRst", InstrHandShake: "HandShake", InstrGetEcho: "GetEcho",
}

// String names the instruction.
func (i Instr) String() string {
	if s, ok := instrNames[i]; ok {
		return s
	}
	return fmt.Sprintf("Instr(0x%02X)", byte(i))
}
