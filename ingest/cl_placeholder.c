/* placeholder so the library has a source; removed when the module lands. */
int ingest_cl_placeholder_c_;
