/**
 * The same pipeline in AWS CDK (aws-cdk-lib 2), for the synth benchmark only: two stacks (dev,
 * prod), each with the stream and its alarms, the table and its alarms, the consumer with its
 * failure queue and alarms, the Basic-auth REST API into Kinesis, the secret and its key, the
 * archive delivery stream to an encrypted bucket with access logs, the partner user and the
 * dashboard. Lambda code is the same pre-built bundle both apps use, so neither synth bundles.
 * Run from this folder: `npx cdk synth` (cdk.json), or `node ../../scripts/run-ts.js bench/cdk-app/app.ts`.
 */
import { App, Duration, RemovalPolicy, Stack, StackProps } from "aws-cdk-lib";
import * as apigw from "aws-cdk-lib/aws-apigateway";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as firehose from "aws-cdk-lib/aws-kinesisfirehose";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kinesis from "aws-cdk-lib/aws-kinesis";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { KinesisEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as secrets from "aws-cdk-lib/aws-secretsmanager";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { bundleHandler } from "../../modules/lambda/bundling";

class PipelineStack extends Stack {
  constructor(scope: Construct, id: string, prefix: string, props?: StackProps) {
    super(scope, id, props);
    const alarm = (metric: cloudwatch.IMetric, name: string, threshold: number, periods = 1) =>
      new cloudwatch.Alarm(this, name, { metric, threshold, evaluationPeriods: periods, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING });

    const stream = new kinesis.Stream(this, "Stream", { streamName: `${prefix}-events`, shardCount: 1, encryption: kinesis.StreamEncryption.MANAGED });
    alarm(stream.metricGetRecordsIteratorAgeMilliseconds({ statistic: "Maximum" }), "IteratorAge", 12 * 3600 * 1000);
    alarm(stream.metricWriteProvisionedThroughputExceeded(), "WriteThrottle", 0.01, 3);
    alarm(stream.metricReadProvisionedThroughputExceeded(), "ReadThrottle", 0.01, 3);

    const table = new dynamodb.Table(this, "Table", {
      tableName: `${prefix}-events`,
      partitionKey: { name: "eventId", type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    });
    alarm(table.metricThrottledRequestsForOperations({ operations: [dynamodb.Operation.PUT_ITEM, dynamodb.Operation.BATCH_WRITE_ITEM] }), "Throttles", 0, 2);
    alarm(table.metricSystemErrorsForOperations({ operations: [dynamodb.Operation.PUT_ITEM, dynamodb.Operation.BATCH_WRITE_ITEM] }), "SystemErrors", 0);

    const failures = new sqs.Queue(this, "Failures", { queueName: `${prefix}-consumer-failures`, retentionPeriod: Duration.days(14), encryption: sqs.QueueEncryption.SQS_MANAGED });
    const fn = (id: string, name: string, entry: string, timeout: number, environment: Record<string, string>) =>
      new lambda.Function(this, id, {
        functionName: name,
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        handler: "index.handler",
        code: lambda.Code.fromAsset(bundleHandler(entry)),
        memorySize: 256,
        timeout: Duration.seconds(timeout),
        tracing: lambda.Tracing.ACTIVE,
        environment,
        logGroup: new logs.LogGroup(this, `${id}Logs`, { logGroupName: `/aws/lambda/${name}`, retention: logs.RetentionDays.ONE_YEAR }),
      });
    const consumer = fn("Consumer", `${prefix}-stream-consumer`, "stream-consumer", 60, { TABLE_NAME: table.tableName, PARTITION_KEY: "eventId" });
    table.grantReadWriteData(consumer);
    consumer.addEventSource(
      new KinesisEventSource(stream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.days(1),
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(failures),
      }),
    );
    alarm(consumer.metricErrors(), "ConsumerErrors", 0);
    alarm(consumer.metric("IteratorAge", { statistic: "Maximum" }), "ConsumerLag", 600000, 5);
    alarm(failures.metricApproximateNumberOfMessagesVisible(), "FailureQueue", 0);

    const secretKey = new kms.Key(this, "SecretKey", { enableKeyRotation: true });
    const secret = new secrets.Secret(this, "Credentials", {
      secretName: `${prefix}/ingest-api/basic-auth`,
      encryptionKey: secretKey,
      generateSecretString: { secretStringTemplate: JSON.stringify({ username: "ingest" }), generateStringKey: "password", excludePunctuation: true, passwordLength: 32 },
    });
    const authorizerFn = fn("Authorizer", `${prefix}-authorizer`, "authorizer", 10, { SECRET_ID: secret.secretArn, SECRET_MAX_AGE_SECONDS: "300" });
    secret.grantRead(authorizerFn);
    const authorizer = new apigw.RequestAuthorizer(this, "BasicAuthorizer", {
      handler: authorizerFn,
      identitySources: [apigw.IdentitySource.header("Authorization")],
      resultsCacheTtl: Duration.seconds(300),
    });
    const accessLogs = new logs.LogGroup(this, "ApiAccessLogs", { retention: logs.RetentionDays.ONE_YEAR });
    const api = new apigw.RestApi(this, "Api", {
      restApiName: `${prefix}-ingest`,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      deployOptions: {
        stageName: "prod",
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        throttlingRateLimit: 100,
        throttlingBurstLimit: 200,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
      },
    });
    const apiRole = new iam.Role(this, "ApiKinesisRole", { assumedBy: new iam.ServicePrincipal("apigateway.amazonaws.com") });
    stream.grantWrite(apiRole);
    const validator = api.addRequestValidator("Validator", { validateRequestBody: true, validateRequestParameters: true });
    const model = (name: string, schema: apigw.JsonSchema) => api.addModel(name, { contentType: "application/json", modelName: name, schema });
    const event = { type: apigw.JsonSchemaType.OBJECT, required: ["eventId"], properties: { eventId: { type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength: 1024 } } };
    const route = (res: apigw.IResource, action: string, template: string, m: apigw.IModel) =>
      res.addMethod(
        "POST",
        new apigw.AwsIntegration({
          service: "kinesis",
          action,
          options: {
            credentialsRole: apiRole,
            passthroughBehavior: apigw.PassthroughBehavior.NEVER,
            requestTemplates: { "application/json": template },
            integrationResponses: [{ statusCode: "200" }, { statusCode: "400", selectionPattern: "4\\d{2}" }, { statusCode: "502", selectionPattern: "5\\d{2}" }],
          },
        }),
        { authorizer, requestValidator: validator, requestModels: { "application/json": m }, methodResponses: [{ statusCode: "200" }, { statusCode: "400" }, { statusCode: "502" }] },
      );
    route(
      api.root.addResource("submit").addResource("{streamName}").addResource("{eventId}"),
      "PutRecord",
      `{"StreamName":"$input.params('streamName')","PartitionKey":"$input.params('eventId')","Data":"$util.base64Encode($input.body)"}`,
      model("Event", event),
    );
    route(
      api.root.addResource("streams").addResource("{streamName}").addResource("records"),
      "PutRecords",
      `{"StreamName":"$input.params('streamName')","Records":[#foreach($r in $input.path('$.records'))#set($i=$foreach.index){"PartitionKey":"$input.path("$.records[$i].data.eventId")","Data":"$util.base64Encode($input.json("$.records[$i].data"))"}#if($foreach.hasNext),#end#end]}`,
      model("EventBatch", { type: apigw.JsonSchemaType.OBJECT, required: ["records"], properties: { records: { type: apigw.JsonSchemaType.ARRAY, minItems: 1, maxItems: 500, items: event } } }),
    );

    const logBucket = new s3.Bucket(this, "AccessLogs", { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true, versioned: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, removalPolicy: RemovalPolicy.RETAIN });
    const archiveKey = new kms.Key(this, "ArchiveKey", { enableKeyRotation: true });
    const archive = new s3.Bucket(this, "Archive", {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: archiveKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: logBucket,
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(7), noncurrentVersionExpiration: Duration.days(90) }],
    });
    const toS3 = new firehose.DeliveryStream(this, "ToS3", {
      deliveryStreamName: `${prefix}-events-to-s3`,
      source: new firehose.KinesisStreamSource(stream),
      destination: new firehose.S3Bucket(archive, {
        bufferingInterval: Duration.seconds(300),
        compression: firehose.Compression.GZIP,
        dataOutputPrefix: "events/!{timestamp:yyyy/MM/dd/HH}/",
        errorOutputPrefix: "events-errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/",
      }),
    });
    alarm(toS3.metric("DeliveryToS3.DataFreshness", { statistic: "Maximum" }), "Freshness", 1200);

    const partner = new iam.User(this, "Partner", { userName: `${prefix}-partner-producer`, path: "/external-producers/" });
    stream.grantWrite(partner);
    new iam.AccessKey(this, "PartnerKey", { user: partner });

    new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: `${prefix}-pipeline`,
      widgets: [
        [new cloudwatch.GraphWidget({ left: [api.metricClientError(), api.metricServerError()] }), new cloudwatch.GraphWidget({ left: [api.metricLatency()] })],
        [new cloudwatch.GraphWidget({ left: [stream.metricIncomingRecords()] }), new cloudwatch.GraphWidget({ left: [stream.metricGetRecordsIteratorAgeMilliseconds()] })],
        [new cloudwatch.GraphWidget({ left: [consumer.metricErrors()] }), new cloudwatch.GraphWidget({ left: [failures.metricApproximateNumberOfMessagesVisible()] })],
        [new cloudwatch.GraphWidget({ left: [toS3.metric("DeliveryToS3.DataFreshness")] })],
      ],
    });
  }
}

const app = new App();
new PipelineStack(app, "streaming-ingest-dev", "ingest-dev", { env: { region: "us-east-1" } });
new PipelineStack(app, "streaming-ingest-prod", "ingest-prod", { env: { region: "eu-west-1" } });
app.synth();
