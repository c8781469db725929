//! `payterm certify`: runs a certification profile in full against an integration and writes
//! `certificate.json` (optionally signed), `report.html`, `junit.xml` and `report.json`;
//! `payterm certificate verify` checks one.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::CliError;
use super::run::{RunArgs, execute, write_reports};
use super::run_plan::{Plan, ReportSpec};
use crate::certify::{Certificate, profiles};
use crate::exit_codes;

/// Options of `payterm certify`.
#[derive(Debug, Args)]
pub struct CertifyArgs {
    /// The integration's command (default: the manifest's, else the built-in reference).
    #[arg(long, conflicts_with = "service")]
    pub exec: Option<String>,
    /// The URL of a running integration (service mode).
    #[arg(long)]
    pub service: Option<String>,
    /// The integration's manifest (default: `payterm.toml` here, if there is one).
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// The profile: full, cloud, app2app or initiator (`payterm certify --list-profiles`).
    #[arg(long, default_value = "full")]
    pub profile: String,
    /// Where the certificate and reports go.
    #[arg(long, default_value = "target/payterm-certificate")]
    pub out: PathBuf,
    /// An Ed25519 key file (`payterm initiator keygen` writes one) to sign the certificate.
    #[arg(long)]
    pub sign_key: Option<PathBuf>,
    /// The seed (default: each scenario's own).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Real seconds per virtual second.
    #[arg(long, default_value_t = 0.01)]
    pub time_scale: f64,
    /// How many scenarios run at once.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Real seconds the integration may take to come up (start-up is not judged; see
    /// `payterm run --help`).
    #[arg(long, default_value_t = 60.0, value_name = "SECS", value_parser = super::run::positive_seconds)]
    pub startup_timeout: f64,
    /// List the profiles and exit.
    #[arg(long)]
    pub list_profiles: bool,
}

/// `payterm certificate …`.
#[derive(Debug, Subcommand)]
pub enum CertificateCommand {
    /// Check a certificate's digests, consistency, scenario hashes and signature. Without
    /// `--key` authenticity is not checked, and that fails unless `--integrity-only` says so.
    Verify {
        /// The certificate.
        file: PathBuf,
        /// The public key (base64) of the vendor that must have signed it.
        #[arg(long)]
        key: Option<String>,
        /// Check only that the certificate is intact and consistent, not who signed it (exit 0
        /// without a trusted key).
        #[arg(long, conflicts_with = "key")]
        integrity_only: bool,
    },
}

/// Runs `payterm certify`.
pub(super) async fn run(args: CertifyArgs) -> Result<(), CliError> {
    if args.list_profiles {
        for p in profiles::PROFILES {
            println!("{} v{}: {} ({} scenarios)", p.name, p.version, p.description, p.files().len());
        }
        return Ok(());
    }
    let profile = profiles::find(&args.profile).ok_or_else(|| {
        let names: Vec<&str> = profiles::PROFILES.iter().map(|p| p.name).collect();
        CliError::new(exit_codes::USAGE, format!("no profile `{}` (known: {})", args.profile, names.join(", ")))
    })?;
    // Read the key first: a bad key file should not cost a whole run.
    let key = match &args.sign_key {
        Some(path) => Some(
            crate::surfaces::initiator::keyfile::read(path)
                .map_err(|e| CliError::new(exit_codes::INVALID_INPUT, e.to_string()))?
                .signing,
        ),
        None => None,
    };
    let run_args = RunArgs {
        exec: args.exec.clone(),
        service: args.service.clone(),
        manifest: args.manifest.clone(),
        paths: Vec::new(),
        builtin: true,
        time_scale: args.time_scale,
        startup_timeout: args.startup_timeout,
        seed: args.seed,
        jobs: args.jobs,
        surface: Vec::new(),
        rule: Vec::new(),
        name: Vec::new(),
        partition: None,
        list: false,
        fail_fast: false,
        rerun_failed: false,
        report: Vec::new(),
        // Certification is strict: a known failure is still a failure.
        expected_failures: None,
    };
    let mut plan = Plan::from_args(&run_args)?;
    // A profile is run in full: what the manifest does not declare is skipped, and a skip
    // means no certificate for this profile.
    plan.scenarios.retain(|e| profile.includes(&e.scenario));
    println!("payterm certify: profile {} v{} ({})", profile.name, profile.version, profile.description);
    let out = &args.out;
    let specs: Vec<ReportSpec> = [("json", "report.json"), ("junit", "junit.xml"), ("html", "report.html")]
        .into_iter()
        .map(|(kind, file)| ReportSpec { kind: kind.to_owned(), path: out.join(file) })
        .collect();
    let path = out.join("certificate.json");
    // Before anything runs: every file can be written, and none is an input.
    let mut outputs: Vec<(String, PathBuf)> = specs.iter().map(|r| (r.kind.clone(), r.path.clone())).collect();
    outputs.push(("certificate".to_owned(), path.clone()));
    let mut inputs = plan.inputs.clone();
    inputs.extend(args.sign_key.clone());
    super::files::check_outputs(&outputs, &inputs)?;
    let report = execute(&plan, &run_args).await?.report;
    if let Some(signal) = &report.interrupted {
        let written = write_reports(&specs, &report);
        written?;
        return Err(CliError::new(
            super::signals::exit_code(signal),
            format!("interrupted by {signal}: no certificate was written (the reports hold what finished)"),
        ));
    }
    let mut cert = Certificate::new(profile, &report, args.seed);
    if let Some(key) = &key {
        cert.sign(key);
    }
    let written = write_reports(&specs, &report);
    let text = serde_json::to_string_pretty(&cert).unwrap_or_default();
    super::files::write_atomic(&path, text.as_bytes())
        .map_err(|e| CliError::new(exit_codes::SETUP_FAILED, format!("failed to write {}: {e}", path.display())))?;
    written?;
    println!("certificate: {}{}", path.display(), if key.is_some() { " (signed)" } else { "" });
    if cert.certified() {
        println!("CERTIFIED: profile {} v{}", profile.name, profile.version);
        Ok(())
    } else {
        println!("NOT CERTIFIED: profile {} v{}", profile.name, profile.version);
        for problem in &cert.result.problems {
            println!("   {}", crate::printable::line(problem, 1_000));
        }
        Err(CliError::new(exit_codes::FAILED, "the integration did not meet the profile"))
    }
}

/// Runs `payterm certificate …`.
pub(super) fn certificate_command(command: CertificateCommand) -> Result<(), CliError> {
    let CertificateCommand::Verify { file, key, integrity_only } = command;
    let shown = file.display();
    let text = std::fs::read_to_string(&file)
        .map_err(|e| CliError::new(exit_codes::SETUP_FAILED, format!("failed to read {shown}: {e}")))?;
    let verification = crate::certify::verify::verify(&text, key.as_deref())
        .map_err(|e| CliError::new(exit_codes::INVALID_INPUT, format!("{shown}: {}", crate::printable::escape(&e))))?;
    let mut bad = 0;
    for c in &verification.checks {
        // The certificate is someone else's file: what it says is printed, never obeyed.
        match &c.problem {
            None => println!("ok    {}", crate::printable::escape(&c.what)),
            Some(p) => {
                bad += 1;
                println!("FAIL  {}: {}", crate::printable::escape(&c.what), crate::printable::line(p, 2_000));
            }
        }
    }
    if bad > 0 {
        return Err(CliError::new(exit_codes::FAILED, format!("{shown}: {bad} check(s) failed: NOT VERIFIED")));
    }
    // The verdict is printed whatever else holds: a gate written `verify && release` must not
    // pass a signed, intact certificate that says the integration failed.
    let profile = crate::printable::escape(&verification.profile);
    if verification.certified {
        println!("verdict: CERTIFIED (profile {profile})");
    } else {
        println!("verdict: NOT CERTIFIED (profile {profile})");
        for problem in &verification.problems {
            println!("   {}", crate::printable::line(problem, 1_000));
        }
    }
    let standing = if verification.authentic {
        "authentic and intact (signed by the key given)"
    } else if integrity_only {
        "intact (--integrity-only: who signed it was NOT checked)"
    } else {
        ""
    };
    if !standing.is_empty() {
        println!("{shown}: {standing}");
        if !verification.certified {
            return Err(CliError::new(
                exit_codes::FAILED,
                format!(
                    "{shown}: the certificate is genuine, and it says NOT CERTIFIED: the integration did not meet profile {profile}"
                ),
            ));
        }
        return Ok(());
    }
    println!("{shown}: intact, but authenticity NOT checked: no trusted key was given");
    Err(CliError::new(
        exit_codes::FAILED,
        format!(
            "{shown}: NOT VERIFIED: anyone could have made or re-signed it\n(hint: pass --key with the vendor's public key (base64), or --integrity-only to check only that it is intact)"
        ),
    ))
}
