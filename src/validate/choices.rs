//! The profile's closed choices, raw to model: every choice is converted here, once, so that no
//! later stage sees a TOML type.

use crate::model;
use crate::profile::raw;

impl From<raw::MtlsMode> for model::MtlsMode {
    fn from(mode: raw::MtlsMode) -> Self {
        match mode {
            raw::MtlsMode::Strict => Self::Strict,
            raw::MtlsMode::Permissive => Self::Permissive,
            raw::MtlsMode::Disable => Self::Disable,
        }
    }
}

impl From<raw::MtlsScope> for model::MtlsScope {
    fn from(scope: raw::MtlsScope) -> Self {
        match scope {
            raw::MtlsScope::Mesh => Self::Mesh,
            raw::MtlsScope::Namespace => Self::Namespace,
        }
    }
}

impl From<raw::OutboundTraffic> for model::OutboundTraffic {
    fn from(policy: raw::OutboundTraffic) -> Self {
        match policy {
            raw::OutboundTraffic::RegistryOnly => Self::RegistryOnly,
            raw::OutboundTraffic::AllowAny => Self::AllowAny,
        }
    }
}

impl From<raw::PathNormalization> for model::PathNormalization {
    fn from(normalization: raw::PathNormalization) -> Self {
        match normalization {
            raw::PathNormalization::None => Self::None,
            raw::PathNormalization::Base => Self::Base,
            raw::PathNormalization::MergeSlashes => Self::MergeSlashes,
            raw::PathNormalization::DecodeAndMergeSlashes => Self::DecodeAndMergeSlashes,
        }
    }
}

impl From<raw::LogLevel> for model::LogLevel {
    fn from(level: raw::LogLevel) -> Self {
        match level {
            raw::LogLevel::Trace => Self::Trace,
            raw::LogLevel::Debug => Self::Debug,
            raw::LogLevel::Info => Self::Info,
            raw::LogLevel::Warning => Self::Warning,
            raw::LogLevel::Error => Self::Error,
            raw::LogLevel::Critical => Self::Critical,
            raw::LogLevel::Off => Self::Off,
        }
    }
}

impl From<raw::ServiceType> for model::ServiceType {
    fn from(service_type: raw::ServiceType) -> Self {
        match service_type {
            raw::ServiceType::LoadBalancer => Self::LoadBalancer,
            raw::ServiceType::NodePort => Self::NodePort,
            raw::ServiceType::ClusterIP => Self::ClusterIp,
        }
    }
}

impl From<raw::TlsVersion> for model::TlsVersion {
    fn from(version: raw::TlsVersion) -> Self {
        match version {
            raw::TlsVersion::V1_2 => Self::V1_2,
            raw::TlsVersion::V1_3 => Self::V1_3,
        }
    }
}
