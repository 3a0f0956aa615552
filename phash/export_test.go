package phash

// Test helpers shared with the external test package (testfiles_test.go).
var (
	VectorDir  = vectorDir
	ReadCSV    = readCSV
	DecodeFile = decodeFile
	RocketJPEG = rocketJPEG
)
