// Built instead of the SIMD kernels when Highway is not found (cmake/Simd.cmake): no SIMD
// kernel is registered.
#include "kernels/simd/simd.hpp"

namespace softcheck::kernels {

void register_simd_kernels(Registry&) {}

}  // namespace softcheck::kernels
