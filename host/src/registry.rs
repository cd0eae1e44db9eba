//! Which plugin, with which parameters, evaluates each district.

use std::collections::HashMap;

use crate::error::Result;
use crate::params::{ParamFile, ParamTable};
use crate::plugin::Plugin;

/// A plugin with its parameter values.
#[derive(Debug)]
pub struct Deployment {
    pub plugin: Plugin,
    pub params: ParamTable,
}

impl Deployment {
    /// Pairs a plugin with a parameter file, refusing one that lacks a
    /// parameter the plugin declares.
    pub fn new(plugin: Plugin, params: &ParamFile) -> Result<Deployment> {
        let params = params.for_plugin(&plugin.info().parameters, &plugin.identity().name)?;
        Ok(Deployment { plugin, params })
    }
}

/// District code to deployment.
#[derive(Debug)]
pub struct Registry {
    deployments: Vec<Deployment>,
    by_district: HashMap<String, usize>,
    default: Option<usize>,
}

impl Registry {
    /// One deployment serving every district.
    pub fn single(deployment: Deployment) -> Registry {
        Registry { deployments: vec![deployment], by_district: HashMap::new(), default: Some(0) }
    }

    pub fn deployments(&self) -> &[Deployment] {
        &self.deployments
    }

    /// The index of the deployment serving `district_code`, if any.
    pub fn route(&self, district_code: &str) -> Option<usize> {
        self.by_district.get(district_code).copied().or(self.default)
    }
}
