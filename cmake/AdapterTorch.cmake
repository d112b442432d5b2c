# Adapter for libtorch: added when the library is found (see src/adapters/adapters.hpp).
#
# Debian's libtorch-dev 1.13 (CPU) ships TorchConfig.cmake. Its dependency lookups (Caffe2:
# gflags, glog, protobuf) end configuration with FATAL_ERROR when one is missing, and QUIET
# does not stop that; so a throwaway project in the build tree asks first, once (the answer
# is cached in SOFTCHECK_TORCH_USABLE). A missing or broken libtorch never fails
# configuration; it only disables the adapter.
#
# libtorch is not linked into softcheck: its static initialisation takes about a second,
# which every softcheck command would pay. src/adapters/torch_kernels.cpp, the only file that
# includes libtorch's headers, is built as the module libsoftcheck_torch.so, which links
# libtorch (its compile definitions and options stay there); softcheck_adapters gets the
# registration and the loader (torch_register.cpp, torch_loader.cpp), which opens the module
# on the first torch kernel call. The loader looks for it next to the installed executable
# (bin/../lib/softcheck/), then in this build tree; $SOFTCHECK_TORCH_MODULE overrides both.
if(NOT DEFINED SOFTCHECK_TORCH_USABLE)
  set(probe_dir ${CMAKE_CURRENT_BINARY_DIR}/torch-probe)
  file(WRITE ${probe_dir}/CMakeLists.txt
       "cmake_minimum_required(VERSION 3.25)\nproject(softcheck_torch_probe CXX)\n"
       "find_package(Torch CONFIG REQUIRED)\n")
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${probe_dir} -B ${probe_dir}/build
                          -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
                  RESULT_VARIABLE probe_result OUTPUT_QUIET ERROR_QUIET)
  if(probe_result EQUAL 0)
    set(usable ON)
  else()
    set(usable OFF)
  endif()
  set(SOFTCHECK_TORCH_USABLE ${usable} CACHE BOOL
      "libtorch's CMake package configures (probed once; unset to probe again)")
endif()

if(SOFTCHECK_TORCH_USABLE)
  find_package(Torch CONFIG QUIET)
endif()
if(SOFTCHECK_TORCH_USABLE AND Torch_FOUND AND TARGET torch)
  set(torch_dir ${CMAKE_CURRENT_SOURCE_DIR}/src/adapters)
  add_library(softcheck_torch MODULE ${torch_dir}/torch_kernels.cpp)
  target_include_directories(softcheck_torch PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(softcheck_torch PRIVATE ${TORCH_LIBRARIES})
  softcheck_warnings(softcheck_torch)

  include(GNUInstallDirs)
  set(SOFTCHECK_TORCH_MODULE_DIR ${CMAKE_INSTALL_LIBDIR}/softcheck)
  install(TARGETS softcheck_torch LIBRARY DESTINATION ${SOFTCHECK_TORCH_MODULE_DIR})
  file(RELATIVE_PATH torch_module_from_bindir ${CMAKE_INSTALL_FULL_BINDIR}
       ${CMAKE_INSTALL_PREFIX}/${SOFTCHECK_TORCH_MODULE_DIR})

  target_sources(softcheck_adapters PRIVATE ${torch_dir}/torch_register.cpp
                 ${torch_dir}/torch_loader.cpp)
  set_source_files_properties(${torch_dir}/torch_loader.cpp PROPERTIES COMPILE_DEFINITIONS
      "SOFTCHECK_TORCH_MODULE_BUILD_PATH=\"$<TARGET_FILE:softcheck_torch>\";SOFTCHECK_TORCH_MODULE_FROM_BINDIR=\"${torch_module_from_bindir}/$<TARGET_FILE_NAME:softcheck_torch>\"")
  add_dependencies(softcheck_adapters softcheck_torch)  # whatever links the adapters has it
  target_compile_definitions(softcheck_adapters PUBLIC SOFTCHECK_HAVE_TORCH)
  message(STATUS "softcheck: libtorch ${Torch_VERSION} found - torch adapter enabled")
else()
  message(STATUS "softcheck: libtorch not found - torch adapter disabled")
endif()
