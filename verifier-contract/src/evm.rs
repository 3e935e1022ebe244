//! An in-process EVM (revm, Osaka rules) for deploying and calling contracts in tests and in
//! `zkinfer` commands that report gas.

use revm::{
    context::{
        result::{ExecutionResult, Output},
        TxEnv,
    },
    database::InMemoryDB,
    primitives::{hardfork::SpecId, Address, TxKind, U256},
    Context, ExecuteCommitEvm, MainBuilder, MainContext,
};

/// The outcome of a transaction: gas includes the 21,000 base and calldata costs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallResult {
    pub success: bool,
    pub gas_used: u64,
    pub output: Vec<u8>,
}

type MainnetEvm = revm::handler::MainnetEvm<revm::handler::MainnetContext<InMemoryDB>>;

/// A local chain with one funded sender.
pub struct Evm {
    evm: MainnetEvm,
    nonce: u64,
    gas_limit: u64,
    pub sender: Address,
}

impl Default for Evm {
    fn default() -> Self {
        Self::new()
    }
}

impl Evm {
    pub fn new() -> Self {
        Self::with_cfg(|_| {})
    }

    /// A chain without EIP-170/EIP-3860 code-size limits: for checking what an oversized verifier
    /// accepts and measuring its gas; mainnet would refuse to deploy it.
    pub fn without_code_size_limit() -> Self {
        let mut evm = Self::with_cfg(|cfg| {
            cfg.limit_contract_code_size = Some(usize::MAX);
            cfg.limit_contract_initcode_size = Some(usize::MAX);
            // deploying 100 KB of code costs more than Osaka's per-transaction cap (EIP-7825)
            cfg.tx_gas_limit_cap = Some(u64::MAX);
        });
        evm.gas_limit = 1_000_000_000;
        evm.evm.ctx.block.gas_limit = evm.gas_limit;
        evm
    }

    /// Moves the chain's clock to `seconds` (the next blocks' `block.timestamp`), for contracts
    /// whose rules expire.
    pub fn set_timestamp(&mut self, seconds: u64) {
        self.evm.ctx.block.timestamp = U256::from(seconds);
    }

    fn with_cfg(adjust: impl FnOnce(&mut revm::context::CfgEnv)) -> Self {
        let ctx = Context::mainnet().with_db(InMemoryDB::default()).modify_cfg_chained(|cfg| {
            cfg.spec = SpecId::OSAKA;
            adjust(cfg);
        });
        let mut evm = ctx.build_mainnet();
        let sender = Address::with_last_byte(0xaa);
        evm.ctx.journaled_state.database.insert_account_info(
            sender,
            revm::state::AccountInfo { balance: U256::from(10u128.pow(24)), ..Default::default() },
        );
        Self { evm, nonce: 0, gas_limit: 16_000_000, sender }
    }

    fn transact(&mut self, kind: TxKind, data: Vec<u8>) -> Result<ExecutionResult, String> {
        let tx = TxEnv {
            caller: self.sender,
            gas_limit: self.gas_limit,
            kind,
            data: data.into(),
            nonce: self.nonce,
            gas_price: 0,
            ..Default::default()
        };
        let result = self.evm.transact_commit(tx).map_err(|e| format!("transaction invalid: {e:?}"))?;
        self.nonce += 1;
        Ok(result)
    }

    /// Deploys creation bytecode and returns the contract's address.
    pub fn deploy(&mut self, creation: Vec<u8>) -> Result<Address, String> {
        match self.transact(TxKind::Create, creation)? {
            ExecutionResult::Success { output: Output::Create(_, Some(address)), .. } => Ok(address),
            ExecutionResult::Revert { output, .. } => Err(format!("deployment reverted: 0x{}", hex::encode(output))),
            ExecutionResult::Halt { reason, .. } => Err(format!("deployment halted: {reason:?}")),
            other => Err(format!("deployment failed: {other:?}")),
        }
    }

    /// Sends a transaction to `to` with `calldata`.
    pub fn call(&mut self, to: Address, calldata: Vec<u8>) -> Result<CallResult, String> {
        Ok(match self.transact(TxKind::Call(to), calldata)? {
            ExecutionResult::Success { gas_used, output, .. } => {
                CallResult { success: true, gas_used, output: output.into_data().to_vec() }
            }
            ExecutionResult::Revert { gas_used, output } => {
                CallResult { success: false, gas_used, output: output.to_vec() }
            }
            ExecutionResult::Halt { gas_used, .. } => CallResult { success: false, gas_used, output: vec![] },
        })
    }
}
