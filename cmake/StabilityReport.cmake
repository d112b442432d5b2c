# softcheck_stability_report: `softcheck report` (src/stability_report): the gate, the collapse sweep, the
# Taylor-radius statistics and the H-consistency checks gathered into one self-contained HTML
# report (inline SVG plots from src/report/svg_plot), a Markdown summary and the raw JSON.
# Included after the softcheck executable is defined; links into it.
file(GLOB SOFTCHECK_STABILITY_SOURCES CONFIGURE_DEPENDS src/stability_report/*.cpp)
add_library(softcheck_stability_report STATIC ${SOFTCHECK_STABILITY_SOURCES})
softcheck_module_headers(softcheck_stability_report stability_report)
target_link_libraries(softcheck_stability_report PUBLIC softcheck_report softcheck_taylor_radius
                      softcheck_hconsistency softcheck_adapters
                      PRIVATE nlohmann_json::nlohmann_json PkgConfig::MPFR)
softcheck_warnings(softcheck_stability_report)

# The versions a report records: the Debian packages of the libraries under test and of the
# numerical libraries, read once at configure time (dpkg-query; absent elsewhere).
set(SOFTCHECK_LIBRARY_VERSIONS "")
find_program(SOFTCHECK_DPKG_QUERY dpkg-query)
if(SOFTCHECK_DPKG_QUERY)
  foreach(package libdnnl-dev libxnnpack-dev libtorch-dev libhwy-dev libmpfr-dev libgmp-dev
                  libflint-arb-dev libboost-dev pybind11-dev)
    execute_process(COMMAND ${SOFTCHECK_DPKG_QUERY} -W -f=\${Version} ${package}
                    OUTPUT_VARIABLE version RESULT_VARIABLE missing ERROR_QUIET
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT missing AND version)
      string(APPEND SOFTCHECK_LIBRARY_VERSIONS "${package} ${version}|")
    endif()
  endforeach()
endif()
target_compile_definitions(softcheck_stability_report PRIVATE
    "SOFTCHECK_LIBRARY_VERSIONS=\"${SOFTCHECK_LIBRARY_VERSIONS}\""
    "SOFTCHECK_STABILITY_VERSION=\"${PROJECT_VERSION} (commit ${SOFTCHECK_COMMIT})\""
    "SOFTCHECK_COMPILER=\"${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}\"")
