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
  # Highway's foreach_target.h includes its file once per target: each stays its own
  # translation unit in a unity build.
  set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/src/kernels/simd/simd_exp.cpp
                              ${CMAKE_CURRENT_SOURCE_DIR}/src/kernels/simd/simd_softmax.cpp
                              PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
  target_link_libraries(softcheck_kernels PUBLIC PkgConfig::HWY)
  target_compile_definitions(softcheck_kernels PUBLIC SOFTCHECK_HAVE_HWY)
  # Targets left out (an HWY_DISABLED_TARGETS expression). The asan preset leaves out SSSE3 and
  # SSE4, whose 128-bit vectors the EMU128 target also runs: simd_softmax.cpp then compiles in
  # 128 s instead of 197 s under the sanitizers (one core, GCC 12), and the Release build
  # still tests both (tests/unit/kernels_simd.cpp sweeps every target the CPU runs).
  set(SOFTCHECK_HWY_DISABLED_TARGETS "" CACHE STRING
      "Highway targets not compiled, e.g. HWY_SSSE3|HWY_SSE4 (empty: none)")
  if(SOFTCHECK_HWY_DISABLED_TARGETS)
    target_compile_definitions(softcheck_kernels PRIVATE
                               "HWY_DISABLED_TARGETS=(${SOFTCHECK_HWY_DISABLED_TARGETS})")
  endif()
  message(STATUS "softcheck: Highway ${HWY_VERSION} found - SIMD kernels enabled")

else()
  target_sources(softcheck_kernels PRIVATE
                 ${CMAKE_CURRENT_SOURCE_DIR}/src/kernels/simd/simd_none.cpp)
  message(STATUS "softcheck: Highway (libhwy-dev) not found - SIMD kernels disabled")
endif()
