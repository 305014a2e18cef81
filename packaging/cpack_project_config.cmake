# Read by cpack once per generator. The .tar.gz (and the .run made from it) carries every library
# the binaries need; the .deb depends on Debian's packages instead (packaging/bundle.cmake reads
# EC_BUNDLE while cpack installs into its staging folder).
if(CPACK_GENERATOR STREQUAL "TGZ")
    set(ENV{EC_BUNDLE} 1)
else()
    set(ENV{EC_BUNDLE} 0)
endif()
if(CPACK_GENERATOR STREQUAL "DEB")
    set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
endif()
