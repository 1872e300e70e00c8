/**
 * Deploy tier, prod stack: terraform init, validate and apply on a fresh moto server create every
 * resource of the synthesized JSON, and a second plan adds, changes and destroys nothing.
 */
import { addressesInState, EmulatedDeployment, prepareDeployment, requestedMutation, resourceAddresses } from "./support/emulated-deployment";
import { MOTO_GAPS } from "./support/emulator-gaps";
import { unexplainedChanges } from "./support/terraform";

const STACK = "streaming-ingest-prod";
jest.setTimeout(300_000);

describe(`deploy tier: ${STACK} on moto`, () => {
  let deployment: EmulatedDeployment;
  beforeAll(async () => {
    deployment = await prepareDeployment(STACK, { region: "eu-west-1", mutation: requestedMutation() });
  });
  afterAll(async () => deployment?.dispose());

  it("initializes with hashicorp/aws only and validates", async () => {
    const init = await deployment.terraform.init();
    expect(init.stdout).toMatch(/Installing hashicorp\/aws v\d+\.\d+\.\d+|Using hashicorp\/aws v\d+\.\d+\.\d+/);
    expect(Object.keys(deployment.json.terraform.required_providers)).toEqual(["aws"]);
    await deployment.terraform.validate();
  });

  it("applies, creating every resource of the stack", async () => {
    await deployment.terraform.apply();
    expect(await addressesInState(deployment)).toEqual(resourceAddresses(deployment.json));
  });

  it("plans nothing on a second plan (emulator gaps aside)", async () => {
    expect(unexplainedChanges(await deployment.terraform.plan(), MOTO_GAPS)).toEqual([]);
  });
});
