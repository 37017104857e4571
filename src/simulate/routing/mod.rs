//! Where a request goes: gateway listeners and virtual hosts, VirtualService rules,
//! DestinationRule subsets, host names.

pub(crate) mod destination;
pub(crate) mod gateway;
pub(crate) mod host;
pub(crate) mod l4;
pub(crate) mod virtual_service;
