# softmax_throughput (analyses/perf): f32 softmax GB/s of softcheck's SIMD kernels against
# XNNPACK, oneDNN, libtorch (each linked when cmake/Adapter*.cmake found it) and memcpy.
# Built with the project, never part of ctest except the --quick smoke below (a few
# seconds); analyses/perf/run.sh runs the full measurement. Include after Adapter*.cmake.
if(HWY_FOUND)  # Highway found (cmake/Simd.cmake)
  add_executable(softmax_throughput analyses/perf/softmax_throughput.cpp)
  target_link_libraries(softmax_throughput PRIVATE softcheck_kernels)
  softcheck_warnings(softmax_throughput)
  if(SOFTCHECK_XNNPACK_INCLUDE_DIR AND SOFTCHECK_PTHREADPOOL_INCLUDE_DIR
     AND SOFTCHECK_XNNPACK_LIBRARY AND SOFTCHECK_PTHREADPOOL_LIBRARY)
    target_include_directories(softmax_throughput SYSTEM PRIVATE
                               ${SOFTCHECK_XNNPACK_INCLUDE_DIR} ${SOFTCHECK_PTHREADPOOL_INCLUDE_DIR})
    target_link_libraries(softmax_throughput PRIVATE ${SOFTCHECK_XNNPACK_LIBRARY}
                          ${SOFTCHECK_PTHREADPOOL_LIBRARY})
    target_compile_definitions(softmax_throughput PRIVATE SOFTCHECK_PERF_XNNPACK)
  endif()
  if(dnnl_FOUND AND TARGET DNNL::dnnl)
    target_link_libraries(softmax_throughput PRIVATE DNNL::dnnl)
    target_compile_definitions(softmax_throughput PRIVATE SOFTCHECK_PERF_ONEDNN)
    if(OpenMP_CXX_FOUND)
      target_link_libraries(softmax_throughput PRIVATE OpenMP::OpenMP_CXX)
      target_compile_definitions(softmax_throughput PRIVATE SOFTCHECK_PERF_OPENMP)
    endif()
  endif()
  if(SOFTCHECK_TORCH_USABLE AND Torch_FOUND AND TARGET torch)
    target_link_libraries(softmax_throughput PRIVATE ${TORCH_LIBRARIES})
    target_compile_definitions(softmax_throughput PRIVATE SOFTCHECK_PERF_TORCH)
  endif()
endif()

# bandwidth_probe (analyses/perf): what one thread streams from memory per access pattern
# (read only, read + streaming write, memcpy); SSE2 intrinsics, so x86-64 only.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  add_executable(bandwidth_probe analyses/perf/bandwidth_probe.cpp)
  softcheck_warnings(bandwidth_probe)
endif()
