"""Files: data sets (HDF5, IDX, the converted-data cache, downloads), parameter files,
My digits, exports, and the guards every read and write goes through."""
