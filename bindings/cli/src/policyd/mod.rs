pub mod spf_engine_conf;
