# Modules as build targets. Each folder src/<module> is one library whose headers are seen,
# by their module-qualified path ("core/format.hpp"), only by the targets that link it: the
# include root of a module is a folder of the build tree holding one link, <module> ->
# src/<module>, so including a header of a module a target does not link fails to build
# (tests/build_rules checks both ways). The dependency rule is in docs/architecture.md.
set(SOFTCHECK_MODULE_ROOTS ${PROJECT_BINARY_DIR}/module-include)

# softcheck_module_headers(TARGET MODULE [INTERFACE]): TARGET publishes src/MODULE's headers.
function(softcheck_module_headers target module)
  set(root ${SOFTCHECK_MODULE_ROOTS}/${module})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${module} ${root}/${module} SYMBOLIC)
  set(scope PUBLIC)
  if(ARGV2 STREQUAL "INTERFACE")
    set(scope INTERFACE)
  endif()
  target_include_directories(${target} ${scope} $<BUILD_INTERFACE:${root}>)
endfunction()

# softcheck_module(MODULE [LINKS target...]): the static library softcheck_MODULE from
# src/MODULE/*.cpp, linking (PUBLIC) the modules below it that it may use.
function(softcheck_module module)
  cmake_parse_arguments(ARG "" "" "LINKS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${module}/*.cpp)
  add_library(softcheck_${module} STATIC ${sources})
  softcheck_module_headers(softcheck_${module} ${module})
  target_link_libraries(softcheck_${module} PUBLIC ${ARG_LINKS})
  softcheck_warnings(softcheck_${module})
endfunction()
