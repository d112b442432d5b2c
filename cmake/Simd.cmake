# SIMD kernels (src/kernels/simd): Google Highway with run-time dispatch. Highway compiles
# the per-target code itself (foreach_target.h: AVX3, AVX2, SSE4, SSSE3 and the EMU128 scalar
# fallback) with per-function target attributes, so no -march flag is added and the binary
# runs on any x86-64. Debian 12: libhwy-dev 1.0.3 (pkg-config libhwy). Without Highway the
# SIMD kernels are not built and register_simd_kernels registers nothing.
pkg_check_modules(HWY IMPORTED_TARGET libhwy)
if(HWY_FOUND)
  target_sources(softcheck_kernels PRIVATE
                 ${CMAKE_CURRENT_SOURCE_DIR}/src/kernels/simd/simd_exp.cpp
                 ${CMAKE_CURRENT_SOURCE_DIR}/src/kernels/simd/simd_softmax.cpp
                 ${CMAKE_CURRENT_SOURCE_DIR}/src/kernels/simd/simd_register.cpp)
  target_link_libraries(softcheck_kernels PUBLIC PkgConfig::HWY)
  target_compile_definitions(softcheck_kernels PUBLIC SOFTCHECK_HAVE_HWY)
  message(STATUS "softcheck: Highway ${HWY_VERSION} found - SIMD kernels enabled")

else()
  target_sources(softcheck_kernels PRIVATE
                 ${CMAKE_CURRENT_SOURCE_DIR}/src/kernels/simd/simd_none.cpp)
  message(STATUS "softcheck: Highway (libhwy-dev) not found - SIMD kernels disabled")
endif()
