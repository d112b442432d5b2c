# Adapter for OneDNN: added when the library is found (see src/adapters/adapters.hpp).
