import { Logger } from "@aws-lambda-powertools/logger";
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { rotate, RotationClient, RotationEvent } from "./rotate";

// Module scope: one client per container. POWERTOOLS_SERVICE_NAME comes from the construct.
const logger = new Logger();
const secretsManager = new SecretsManagerClient({});
const passwordLength = Number(process.env.PASSWORD_LENGTH ?? 32);

export const client: RotationClient = {
  describe: async (secretId) => {
    return (await secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages ?? {};
  },
  read: async (secretId, { stage, versionId }) => {
    try {
      return (await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage, VersionId: versionId }))).SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  },
  randomPassword: async (length) =>
    (
      await secretsManager.send(
        // Letters and digits only, as the initial password: nothing to escape in a header or a shell.
        new GetRandomPasswordCommand({ PasswordLength: length, ExcludePunctuation: true, IncludeSpace: false, RequireEachIncludedType: true }),
      )
    ).RandomPassword!,
  putPending: async (secretId, token, secretString) => {
    await secretsManager.send(new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: token, SecretString: secretString, VersionStages: ["AWSPENDING"] }));
  },
  moveCurrent: async (secretId, toVersionId, fromVersionId) => {
    await secretsManager.send(
      new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: "AWSCURRENT", MoveToVersionId: toVersionId, RemoveFromVersionId: fromVersionId }),
    );
  },
};

export const handler = async (event: RotationEvent): Promise<void> => {
  logger.info("rotation step", { step: event.Step, version: event.ClientRequestToken });
  await rotate(event, client, passwordLength);
};
