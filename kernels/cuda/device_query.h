// C interface to the CUDA runtime for device discovery; no torch, no CUDA headers.
#pragma once

namespace ec::kernels::cuda {

// Number of CUDA devices; 0 and a message in `error` (up to errorSize bytes) when none.
int deviceCount(char *error, int errorSize);
// Name of device `index` into `name` (up to nameSize bytes); false on failure.
bool deviceName(int index, char *name, int nameSize);

} // namespace ec::kernels::cuda
