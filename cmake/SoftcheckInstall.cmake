# install() rules and the exported package (cmake/softcheckConfig.cmake.in), so a kernel
# library can gate its kernels from its own CTest: find_package(softcheck) +
# softcheck_add_gate(...).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS softcheck EXPORT softcheckTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES include/softcheck/plugin.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/softcheck
        OPTIONAL)
install(EXPORT softcheckTargets NAMESPACE softcheck::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/softcheck)
configure_package_config_file(cmake/softcheckConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/softcheckConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/softcheck
                              PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/softcheckConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/softcheckConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/softcheckConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/softcheck)
