# The analyses (analyses/): studies and benchmarks, above every module and never on the
# verifier's path. Built with -DSOFTCHECK_BUILD_ANALYSES=ON (the default preset turns it on,
# so the smoke tests that CI runs have them); never run by ctest beyond those smoke tests.

# verify_throughput: the gate's reference stage with and without the double-double fast path.
add_executable(verify_throughput analyses/perf/verify_throughput.cpp)
target_link_libraries(verify_throughput PRIVATE softcheck_checks softcheck_stability_report)  # the CPU's name
softcheck_warnings(verify_throughput)
# chunked_ce_memory: peak memory of chunked vs materialised cross-entropy from hidden states.
add_executable(chunked_ce_memory analyses/perf/chunked_ce_memory.cpp)
target_link_libraries(chunked_ce_memory PRIVATE softcheck_checks)
softcheck_warnings(chunked_ce_memory)
# radius_throughput: the fast and certified Taylor-radius bounds per second.
add_executable(radius_throughput analyses/perf/radius_throughput.cpp)
target_link_libraries(radius_throughput PRIVATE softcheck_taylor_radius softcheck_core)
softcheck_warnings(radius_throughput)
if(HWY_FOUND)
  # exp_error_sweep: the exhaustive error sweep of the SIMD exp (proofs/exp-poly-simd.md).
  add_executable(exp_error_sweep analyses/perf/exp_error_sweep.cpp)
  target_link_libraries(exp_error_sweep PRIVATE softcheck_kernels)
  softcheck_warnings(exp_error_sweep)
endif()
include(cmake/Perf.cmake)  # softmax_throughput against the peers, bandwidth_probe
# out_of_cache (analyses/perf): the SIMD softmax kernels on rows of >= 1 GiB beside
# bandwidth_probe's ceiling for each algorithm's passes (bandwidth_patterns.hpp: SSE2, AVX2 and
# AVX-512 intrinsics, so x86-64 only), with avx3 and avx2 forced; out_of_cache.sh runs it.
if(HWY_FOUND AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  add_executable(out_of_cache analyses/perf/out_of_cache.cpp)
  target_link_libraries(out_of_cache PRIVATE softcheck_kernels)
  target_compile_definitions(out_of_cache PRIVATE "SOFTCHECK_COMMIT=\"${SOFTCHECK_COMMIT}\"")
  softcheck_warnings(out_of_cache)
endif()
if(TARGET softcheck_training)
  add_subdirectory(analyses/grokking)
  add_subdirectory(analyses/controller)  # controller_study: the safe-step analyses
endif()
# The version and commit the reports name (tests/cli/test_provenance.py).
target_compile_definitions(verify_throughput PRIVATE
                           "SOFTCHECK_VERSION=\"${PROJECT_VERSION} (commit ${SOFTCHECK_COMMIT})\"")
# attention_rules: the planted attention bugs against softcheck's gate and the FlashAttention
# and cuDNN test rules; attention_reference_throughput: the attention reference's speed.
add_executable(attention_rules analyses/attention/attention_rules.cpp)
target_include_directories(attention_rules PRIVATE tests/fixtures)
add_executable(attention_reference_throughput analyses/attention/attention_reference_throughput.cpp)
foreach(target attention_rules attention_reference_throughput)
  target_link_libraries(${target} PRIVATE softcheck_checks)
  target_compile_definitions(${target} PRIVATE "SOFTCHECK_VERSION_NUMBER=\"${PROJECT_VERSION}\""
                             "SOFTCHECK_COMMIT=\"${SOFTCHECK_COMMIT}\"")
  softcheck_warnings(${target})
endforeach()
