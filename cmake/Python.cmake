# The Python module `softcheck` (src/python, pybind11 from Debian's pybind11-dev): the
# compiled part `_softcheck` is written to <build>/python/, and the pure-Python package
# softcheck/ at the repository root loads it from there (build/ by default, or
# $SOFTCHECK_BUILD_DIR), so `/usr/bin/python3 -c "import softcheck"` works from the
# repository root after the default build. Skipped, with a message, without pybind11.
#
# The module is built for /usr/bin/python3 (Debian's numpy, pytest, Jupyter), not for
# whatever python3 comes first on PATH.
option(SOFTCHECK_BUILD_PYTHON "Build the Python module" ON)
if(NOT SOFTCHECK_BUILD_PYTHON)
  message(STATUS "softcheck: SOFTCHECK_BUILD_PYTHON is OFF - Python module disabled")
  return()
endif()
if(NOT DEFINED PYTHON_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(PYTHON_EXECUTABLE /usr/bin/python3)
endif()
find_package(pybind11 CONFIG QUIET)
if(NOT pybind11_FOUND)
  message(STATUS "softcheck: pybind11 not found - Python module disabled")
  return()
endif()

# A shared object can only take position-independent code from the static libraries.
foreach(library softcheck_core softcheck_reference softcheck_kernels softcheck_adapters
                softcheck_checks softcheck_report softcheck_taylor_radius softcheck_hconsistency softcheck_stability_report)
  if(TARGET ${library})
    set_target_properties(${library} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  endif()
endforeach()

file(GLOB SOFTCHECK_PYTHON_SOURCES CONFIGURE_DEPENDS src/python/*.cpp)
pybind11_add_module(_softcheck NO_EXTRAS ${SOFTCHECK_PYTHON_SOURCES})
target_link_libraries(_softcheck PRIVATE softcheck_stability_report softcheck_report softcheck_adapters
                      softcheck_taylor_radius softcheck_hconsistency)
softcheck_module_headers(_softcheck python)
target_compile_definitions(_softcheck PRIVATE
    "SOFTCHECK_VERSION=\"${PROJECT_VERSION} (commit ${SOFTCHECK_COMMIT})\"")
set_target_properties(_softcheck PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/python)
set(SOFTCHECK_PYTHON_MODULE_DIR ${CMAKE_BINARY_DIR}/python)
message(STATUS "softcheck: pybind11 ${pybind11_VERSION} found - Python module for ${PYTHON_EXECUTABLE}")
