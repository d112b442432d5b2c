# Adapter for oneDNN: added when the library is found (see src/adapters/adapters.hpp).
#
# Debian's libdnnl-dev ships a CMake config (DNNL::dnnl). oneDNN 2.6 is built there with the
# OpenMP runtime; the adapter links OpenMP too, so that each call can run oneDNN on one
# thread (src/adapters/onednn_threads.hpp). A missing library never fails configuration.
find_package(dnnl CONFIG QUIET)
if(dnnl_FOUND AND TARGET DNNL::dnnl)
  file(GLOB SOFTCHECK_ONEDNN_SOURCES CONFIGURE_DEPENDS
       ${CMAKE_CURRENT_SOURCE_DIR}/src/adapters/onednn_*.cpp)
  # Their helpers share names (describe, run, kProbeRows) file by file: no unity batches.
  set_source_files_properties(${SOFTCHECK_ONEDNN_SOURCES} PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
  target_sources(softcheck_adapters PRIVATE ${SOFTCHECK_ONEDNN_SOURCES})
  target_link_libraries(softcheck_adapters PRIVATE DNNL::dnnl)
  target_compile_definitions(softcheck_adapters PUBLIC SOFTCHECK_HAVE_ONEDNN)
  find_package(OpenMP QUIET COMPONENTS CXX)
  if(OpenMP_CXX_FOUND)
    target_link_libraries(softcheck_adapters PRIVATE OpenMP::OpenMP_CXX)
    target_compile_definitions(softcheck_adapters PRIVATE SOFTCHECK_ONEDNN_OPENMP)
  endif()
  message(STATUS "softcheck: oneDNN ${dnnl_VERSION} found - onednn adapter enabled")
else()
  message(STATUS "softcheck: oneDNN not found - onednn adapter disabled")
endif()
